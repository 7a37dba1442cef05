"""Counters kept as rows (an option's votes, a round's voters, a term's voters): one way
to add to them, for the ingest, the moderation and the recount alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Model, Q


def counts_add(
    model: type[Model],
    keys: Sequence[str],
    count: str,
    deltas: Mapping[tuple[Any, ...], int],
    *,
    unique: Sequence[str] | None = None,
    drop_zero: bool = False,
) -> None:
    """Add each delta to the `count` of the row whose `keys` (attribute names, such as
    `poll_id`) hold its key, the row made on first use. One read of the rows there, then
    one upsert on the `unique` fields (default: the keys), in key order, so that two
    workers lock rows in the same order. With `drop_zero`, a row come to zero goes."""
    deltas = {key: delta for key, delta in deltas.items() if delta}
    if not deltas:
        return
    lookups = {f"{name}__in": {key[n] for key in deltas} for n, name in enumerate(keys)}
    there = {
        tuple(row[:-1]): row[-1]
        for row in model._default_manager.filter(**lookups).values_list(*keys, count)
    }
    totals = {key: there.get(key, 0) + delta for key, delta in sorted(deltas.items())}
    model._default_manager.bulk_create(
        [
            model(**dict(zip(keys, key, strict=True)), **{count: total})
            for key, total in totals.items()
            if total or not drop_zero
        ],
        update_conflicts=True,
        unique_fields=list(unique or [name.removesuffix("_id") for name in keys]),
        update_fields=[count],
    )
    if drop_zero and (gone := [key for key, total in totals.items() if not total]):
        vanished = Q()
        for key in gone:
            vanished |= Q(**dict(zip(keys, key, strict=True)))
        model._default_manager.filter(vanished).delete()
