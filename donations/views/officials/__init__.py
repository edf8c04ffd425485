"""The finance officers' pages, under /petugas/keuangan/: one module per part of the work.

Finance officers do the work; administrators may read the dashboard, lists and records, but
never see a proof of payment or move money. Every step that moves money is one officer's and
a second, different officer's: the services refuse the same officer, and the page shows why.
"""
