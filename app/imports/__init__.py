"""Legacy register import: a desk's old spreadsheet (CSV or XLSX) turned into registrants."""
