"""Bulk loads of the company registry: what is cheaper to build once than to keep up to date
through millions of single rows is set aside before a large import and built afterwards.

- the search index (lotsen.companies.search_index);
- the list's own indexes: the secondary B-trees of `companies` and `company_sni_codes` that
  serve sorting and filters. A B-tree built from the finished table is one sort; kept up to
  date it is a random write per row. The primary keys and unique constraints stay: the
  import's upsert reads them.

A load left half done (say the import process was killed) is noticed by `is_suspended` and
finished by the next import, or by `flask lotsen rebuild-search-index`.
"""

from sqlalchemy import inspect

from lotsen.companies import search_index
from lotsen.companies.models import Company, CompanySniCode

LIST_INDEXES = [index for model in (Company, CompanySniCode) for index in model.__table__.indexes]


def missing_list_indexes(connection) -> list:
    inspector = inspect(connection)
    present = {
        index["name"]
        for table in {index.table.name for index in LIST_INDEXES}
        for index in inspector.get_indexes(table)
    }
    return [index for index in LIST_INDEXES if index.name not in present]


def is_suspended(connection) -> bool:
    return search_index.is_suspended(connection) or bool(missing_list_indexes(connection))


def suspend(connection) -> None:
    """Stop keeping the search index and the list's indexes up to date."""
    search_index.suspend(connection)
    for index in LIST_INDEXES:
        index.drop(connection, checkfirst=True)


def finish(connection) -> None:
    """Build whatever `suspend` set aside from the rows as they now are."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for index in missing_list_indexes(connection):
        index.create(connection)
    search_index.rebuild(connection)
