"""The attention queue's beat: the time-based kinds and escalations. Thin: one service."""

from celery import shared_task

from .sweep import attention_sweep


@shared_task(name="attention.sweep")
def attention_sweep_task() -> dict[str, int]:
    return attention_sweep()
