"""`mockpanel db`: copying a whole database between SQLite and PostgreSQL, and backups.

`tables` reads the tables, columns and foreign keys the schema has and orders them; `engines`
and `engines_pg` give both engines one small interface; `copy` runs a copy in one target
transaction and `verify` checks it before the commit; `backup` is SQLite's online backup.
"""
