"""Throwaway PostgreSQL databases for the benchmarks (created, dropped, even on failure)."""


def admin_execute(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def create_database(server: str, name: str) -> None:
    admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_execute(server, f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
