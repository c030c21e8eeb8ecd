"""The sheet registry, workbook reading and writing, the import engine and the Google Sheets adapter."""
