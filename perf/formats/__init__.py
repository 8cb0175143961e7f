"""The project's own date and number formats per language (``FORMAT_MODULE_PATH``): only what
differs from Django's; everything else comes from Django's locale formats."""
