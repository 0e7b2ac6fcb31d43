"""The alert agents: articles.enriched -> alerts.geopolitical, and the notifiers behind it.

Faust tables are partitioned like the stream that updates them, so each piece of state is updated
by an agent reading a topic keyed by that state's key:

- `alert_scan` reads enriched articles (keyed by article id) in batches and forwards, per batch,
  one message per rule with hits (keyed by rule id: the list of its hits) and one per surge
  counter and window the batch adds to (keyed by `tag:<id>` / `entity:<kb_id>`: the list of its
  articles, with the timestamp of the first); an article that fires no rule and adds to no
  counter is not forwarded at all;
- `alert_stories` keeps each rule's open stories in the `alert-stories` table and publishes one
  alert per story (streams/alerts/stories.py), the table written once per message;
- `alert_surges` counts articles per key in tumbling windows (`alert-surge-counts`, with the ids
  already counted in `alert-surge-seen`) and publishes surge alerts (streams/alerts/surge.py),
  the count and the key's state written once per message.

Windows are relative to stream time: the Kafka timestamp of the enriched record, set when the
article was enriched, carried unchanged to the internal topics. Not the article's `published_at`:
it is often missing or only a date, an old article crawled today would be counted in a window
long closed, and Faust expires windows against the wall clock, so windows far from now would be
dropped at once. A record's timestamp never changes, so an article read again after a crash falls
in the same window, and a replay is recognised by its record's partition and offset.

Every table is changelog-backed: a restarted worker recovers counts, stories and surge episodes.
"""

from __future__ import annotations

import logging

import faust
import orjson

from ..alerts import hit_admission, load_rules, observe_hit, observe_mention, position, scan_batch, story_config, surge_config
from ..alerts.notify import Dispatcher, notifiers_from
from ..alerts.surge import admit
from ..app import alerts_topic, app, deadletter_topic, enriched_topic, settings
from ..deadletter import Origin, Rejected, deadletter
from ..metrics import observe_alert, observe_duplicate

log = logging.getLogger(__name__)

# A mistake in the rules file stops the worker at start-up, naming the file and the line.
rules = load_rules(settings.alert_rules_file or None)
stories_config = story_config(settings)
surges_config = surge_config(settings, rules)
WINDOW = settings.alert_surge_window
BASELINE = settings.alert_surge_baseline_windows
# Enriched articles scanned at once: the ingest agent publishes them in batches of this size.
SCAN_BATCH = settings.batch_size
SCAN_WITHIN = max(settings.batch_within, 0.25)


def _internal_topic(name: str):  # type: ignore[no-untyped-def]
    return app.topic(
        f"{settings.app_id}-{name}", key_type=bytes, value_type=bytes, key_serializer="raw",
        value_serializer="raw", partitions=settings.partitions, internal=True,
    )


def _table(name: str, default: type, help: str):  # type: ignore[no-untyped-def]  # noqa: A002
    return app.Table(
        name, default=default, partitions=settings.partitions, help=help,
        schema=faust.Schema(key_serializer="json", value_serializer="json"),
    )


hits_topic = _internal_topic("alert-hits")
mentions_topic = _internal_topic("alert-mentions")

stories = _table("alert-stories", dict, "Rule id -> its open stories and their alerts.")
surge_state = _table("alert-surge-state", dict, "Surge key -> the current window's articles and the surge episode's alert.")
# Windows older than the baseline are dropped (Faust compares window ends with the wall clock).
_expires = WINDOW * (BASELINE + 2)
surge_counts = _table("alert-surge-counts", int, "Surge key -> articles per window.").tumbling(WINDOW, expires=_expires).relative_to_stream()
surge_seen = _table("alert-surge-seen", str, "Surge key + article id -> where it was counted.").tumbling(WINDOW, expires=_expires).relative_to_stream()


async def _undeliverable(alert: dict, error: str) -> None:
    first = alert["articles"][0]["id"] if alert.get("articles") else None
    value = orjson.dumps(alert)
    record = deadletter(Rejected("undeliverable", error, first), value, alert["id"].encode(), Origin(settings.topic_alerts), settings.deadletter_keep_bytes)
    await deadletter_topic.send(key=alert["id"].encode(), value=orjson.dumps(record))


dispatcher = Dispatcher(notifiers_from(settings), settings.alert_notify_queue, settings.alert_webhook_backoff, _undeliverable)


async def _publish(publications: list[tuple[dict, bool]]) -> None:
    for alert, created in publications:
        await alerts_topic.send(key=alert["id"].encode(), value=orjson.dumps(alert))
        observe_alert(alert, created)
        if created:
            log.info("alert %s: %s", alert["id"], alert["summary"])
            dispatcher.submit(alert)  # never waits: notifiers run in the background


def _records(value: bytes) -> list[dict]:
    """The records of one forwarded message: a list (one per article), or one record as forwarded before."""
    records = orjson.loads(value)
    return records if isinstance(records, list) else [records]


@app.agent(enriched_topic)
async def alert_scan(stream):  # type: ignore[no-untyped-def]
    """Rule hits and surge counters of each batch of enriched articles, forwarded grouped by what they update."""
    async for events in stream.take_events(SCAN_BATCH, within=SCAN_WITHIN):
        scanned = []
        for event in events:
            message = event.message
            try:
                scanned.append((orjson.loads(message.value), position(message.partition, message.offset), message.timestamp))
            except Exception:  # our own topic; a record we cannot read must not stop the alerts
                log.exception("cannot read %s[%s]@%s for alerts", message.topic, message.partition, message.offset)
        try:
            hits, mentions = scan_batch(scanned, rules, WINDOW)
        except Exception:  # one unexpected article must not cost the batch its alerts: scan one by one
            hits, mentions = {}, {}
            for one in scanned:
                try:
                    more_hits, more_mentions = scan_batch([one], rules, WINDOW)
                except Exception:
                    log.exception("cannot scan article at %s for alerts", one[1])
                    continue
                for rule_id, records in more_hits.items():
                    hits.setdefault(rule_id, []).extend(records)
                for group, records in more_mentions.items():
                    mentions.setdefault(group, []).extend(records)
        for rule_id, records in hits.items():
            await hits_topic.send(key=rule_id.encode(), value=orjson.dumps(records), timestamp=records[0]["time"])
        for (key, _), records in mentions.items():
            await mentions_topic.send(key=key.encode(), value=orjson.dumps(records), timestamp=records[0]["time"])


@app.agent(hits_topic)
async def alert_stories(stream):  # type: ignore[no-untyped-def]
    """One alert per story and rule, created or updated."""
    async for value in stream:
        records = _records(value)
        rule_id = records[0]["rule"]
        rule = rules.get(rule_id)
        if rule is None:  # removed from the rules file since the hits were forwarded
            continue
        state = old = stories.get(rule_id)
        publications = []
        for record in records:
            if hit_admission(state, record, stories_config) == "duplicate":
                observe_duplicate("article")  # the same article again, from another record
            state, published = observe_hit(state, record, rule, stories_config)
            publications += published
        if state != old:
            stories[rule_id] = state
        await _publish(publications)


@app.agent(mentions_topic)
async def alert_surges(stream):  # type: ignore[no-untyped-def]
    """Articles counted per key and window; a surge alert when the window surges.

    The records of one message share a key and a window (the message's timestamp is in it)."""
    async for value in stream:
        records = _records(value)
        key = records[0]["key"]
        counts = surge_counts[key]
        counted = current = counts.current()
        previous = [counts.delta(WINDOW * i) for i in range(1, BASELINE + 1)]
        state = old = surge_state.get(key)
        publications = []
        for record in records:
            seen_key = f"{key}\x1f{record['article']['id']}"
            seen = surge_seen[seen_key]
            admission = admit([seen.current()] + [seen.delta(WINDOW * i) for i in range(1, BASELINE + 1)], record["position"])
            if admission == "new":
                current += 1
                surge_seen[seen_key] = record["position"]
            elif admission == "duplicate":
                observe_duplicate("surge")  # an article this key counted already, from another record
            state, published = observe_mention(state, record, admission, current, previous, surges_config)
            publications += published
        if current != counted:
            surge_counts[key] = current
        if state != old:
            surge_state[key] = state
        await _publish(publications)


@app.task
async def alert_notifications() -> None:
    """Deliver new alerts to the notifiers the settings switch on (none by default)."""
    if dispatcher.enabled:
        await dispatcher.run()
