"""The running ingest app syncs the Help Center every ``PARLEY_KB_SYNC_INTERVAL_S`` for the
accounts it knows, skipping one Chatwoot refuses, against the Help Center over real HTTP."""

from __future__ import annotations

import asyncio
import time

from parley_ingest.kb.helpcenter.service import KB_SYNC_JOB
from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import API_TOKEN, RunningApp, help_center_app
from parley_schema.models import JobRun, KbDocument
from parley_simulator.help_center_corpus import demo_help_center
from parley_testing.servers import serving
from pydantic import HttpUrl, SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_the_periodic_sync_brings_the_articles_in_and_skips_a_refused_account(
    ingest_settings: IngestSettings, running_app: RunningApp, db_engine: AsyncEngine
) -> None:
    center = demo_help_center(account_id=2)  # account 1 (also configured) has none: 404
    with serving(help_center_app(center)) as url:
        settings = ingest_settings.model_copy(
            update={
                "chatwoot_base_url": HttpUrl(url),
                "chatwoot_api_token": SecretStr(API_TOKEN),
                "kb_sync_interval_s": 1,
            }
        )
        async with running_app(settings):
            # The articles commit one by one; the run's job_runs row is finished after them.
            stored, run, deadline = 0, None, time.monotonic() + 20
            while (stored < 36 or run is None) and time.monotonic() < deadline:
                await asyncio.sleep(0.3)
                async with db_engine.connect() as connection:
                    stored = int(
                        await connection.scalar(
                            select(func.count()).where(KbDocument.account_id == 2)
                        )
                        or 0
                    )
                    run = (
                        await connection.execute(
                            select(JobRun.status, JobRun.meta)
                            .where(JobRun.job_name == KB_SYNC_JOB, JobRun.status == "ok")
                            .order_by(JobRun.id)
                            .limit(1)
                        )
                    ).one_or_none()
            assert stored == 36
            assert run is not None, "no finished Help Center sync run in job_runs"
    assert run.meta["skipped_accounts"] == [1]
    assert [a["account_id"] for a in run.meta["accounts"]] == [2]
