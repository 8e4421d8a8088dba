"""File → Export: the document written as HTML or Word, with no Qt (PDF needs Qt's
printing and lives in ui/export_pdf.py). Exports never touch the document's own file."""
