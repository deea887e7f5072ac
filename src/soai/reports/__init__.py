"""Reports: HTML to PDF with WeasyPrint from the portal's own templates, and SVG charts."""
