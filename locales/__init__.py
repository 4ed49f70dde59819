"""Message catalogs (gettext .po), shipped with the package."""
