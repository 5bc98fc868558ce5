"""Prometheus ``/metrics``: registry figures from the database, HTTP figures of this process."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import Message, Receive, Scope, Send

from api.asgi import HttpMiddleware
from registry.core.states import RegistrationStatus
from registry.platform import Runtime, check_health, registry_figures


class RegistryCollector(Collector):
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        figures = registry_figures(self.runtime.sessions, now=self.runtime.now())
        registrations = GaugeMetricFamily(
            "banquan_registrations", "Registrations by status", labels=["status"]
        )
        for status, count in sorted(figures.registrations_by_status.items()):
            registrations.add_metric([status], count)
        yield registrations
        batches = GaugeMetricFamily(
            "banquan_batches", "Anchoring batches by status", labels=["status"]
        )
        for status, count in sorted(figures.batches_by_status.items()):
            batches.add_metric([status], count)
        yield batches
        yield GaugeMetricFamily(
            "banquan_queue_depth",
            "Registrations waiting to be anchored",
            value=figures.registrations_by_status.get(RegistrationStatus.PENDING, 0),
        )
        yield GaugeMetricFamily(
            "banquan_batch_lag_seconds",
            "Age of the oldest registration waiting to be anchored",
            value=figures.oldest_pending_age_seconds,
        )
        yield GaugeMetricFamily(
            "banquan_batch_size_mean",
            "Mean registrations per anchored batch",
            value=figures.anchored_leaves / figures.anchored_batches
            if figures.anchored_batches
            else 0,
        )
        latencies = figures.recent_anchoring_seconds
        yield GaugeMetricFamily(
            "banquan_anchoring_latency_seconds_median",
            "Median time from sealing a batch to its block, over the latest 100 batches",
            value=statistics.median(latencies) if latencies else 0,
        )
        runtime = self.runtime
        health = check_health(runtime.sessions, runtime.w3, runtime.store, runtime.now)
        yield GaugeMetricFamily(
            "banquan_chain_up", "1 when the chain node answers", value=int(health.chain)
        )
        yield GaugeMetricFamily(
            "banquan_content_store_up",
            "1 when content can be stored",
            value=int(health.content_store),
        )


@dataclass(kw_only=True)
class RequestMetrics(HttpMiddleware):
    """Times each HTTP request to the start of its answer and counts it by status."""

    observe: Callable[[str, int, float], None]

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                self.observe(scope["method"], status, time.perf_counter() - start)
            await send(message)

        await self.app(scope, receive, timed_send)


def install_metrics(app: FastAPI, runtime: Runtime) -> None:
    registry = CollectorRegistry()
    registry.register(RegistryCollector(runtime))
    requests = Counter(
        "banquan_http_requests", "HTTP requests", ["method", "status"], registry=registry
    )
    latency = Histogram(
        "banquan_http_request_seconds", "HTTP request latency", ["method"], registry=registry
    )
    errors = Counter(
        "banquan_http_errors",
        "Responses with a 5xx status (chain or store outages show here)",
        registry=registry,
    )

    def observe(method: str, status: int, seconds: float) -> None:
        latency.labels(method).observe(seconds)
        requests.labels(method, str(status)).inc()
        if status >= 500:
            errors.inc()

    app.add_middleware(RequestMetrics, observe=observe)

    @app.get("/metrics", include_in_schema=True, tags=["operations"], response_class=Response)
    def metrics() -> Response:
        """Prometheus text format: registrations and batches by status, queue depth, batch lag,
        batch size, anchoring latency, chain reachability, HTTP requests and errors."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
