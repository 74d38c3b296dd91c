"""The document store (S3) and the rendering of invoices and credit notes as PDF."""
