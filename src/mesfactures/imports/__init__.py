"""The ERP feed: files of invoices, credit notes and payments that the creditors drop in the store."""
