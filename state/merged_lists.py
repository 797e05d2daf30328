"""A staff list over several 읍면동, read in its display order from a per-읍면동 index.

`dong_code IN (…)` over several 읍면동 cannot be read in order from an index (dong_code, order…):
both planners read every matching row of each 읍면동 and sort them all, so a 시군구-wide list
costs as much as the 시군구's whole history. Written as one branch per 읍면동 (`dong_code = …`,
read in order from that index), joined by UNION ALL and ordered outside, it reads at most
`limit` rows per 읍면동 whatever the history (docs/performance.md, "Flat as the data grows"):
SQLite merges the ordered branches and stops at the limit. PostgreSQL (15) does not see a
bare UNION ALL branch's `dong_code = …` as fixing the index's first column, so it would read
each 읍면동 whole and sort; there each branch carries its own ORDER BY and LIMIT, and the
branches are merged (Merge Append). On SQLite those inner limits would cost a sort per branch."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection


def merged_by_dong(conn: AsyncConnection, query: Select, dong_column: ColumnElement[str],
                   dong_codes: Sequence[str], newest_first: Sequence[str], limit: int) -> Select:
    """`query` limited to `dong_codes`, ordered by its result columns named in `newest_first`
    (each descending), at most `limit` rows. Each branch must be readable in that order from
    an index that starts with `dong_column` (the callers' migrations make one)."""
    order = [query.selected_columns[name].desc() for name in newest_first]
    if len(dong_codes) <= 1:  # one 읍면동 (or none: an empty list) needs no merge
        return query.where(dong_column.in_(dong_codes)).order_by(*order).limit(limit)
    branches = [query.where(dong_column == code) for code in dong_codes]
    if conn.dialect.name != "sqlite":
        branches = [branch.order_by(*order).limit(limit) for branch in branches]
    merged = union_all(*branches).subquery("merged")
    # The outer columns are named, with the first branch's types, rather than taken from
    # `merged.c`: SQLAlchemy builds those proxies from every column of every branch, which cost
    # more than the query itself (4–8 ms for 17 읍면동 against 1 ms).
    columns = [literal_column(f"merged.{c.key}", type_=c.type).label(c.key) for c in query.selected_columns]
    return (select(*columns).select_from(merged)
            .order_by(*(literal_column(f"merged.{name}").desc() for name in newest_first)).limit(limit))
