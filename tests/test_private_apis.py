"""The private parts of Textual, asyncio, concurrent.futures, argparse and scipy that the app and
the engine rely on (none has a public equivalent): these fail when an upgrade removes or changes
one."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import time
from concurrent.futures import ProcessPoolExecutor

from textual.screen import Screen
from textual.timer import Timer

from mixreview.analysis import tasks
from mixreview.analysis.dsp import sosfilter
from mixreview.tui.keymap import normalize
from mixreview.tui.widgets import frames

# ------------------------------------------------------- concurrent.futures ---


def test_stopping_a_pool_ends_its_running_workers() -> None:
    """tasks._stop terminates the workers listed in ProcessPoolExecutor._processes."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=tasks.pool_context())
    future = pool.submit(time.sleep, 60)
    deadline = time.monotonic() + 30
    while not future.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    processes = list(pool._processes.values())
    assert processes and all(hasattr(p, "terminate") for p in processes)
    tasks._stop(pool)
    for process in processes:
        process.join(timeout=10)
        assert not process.is_alive()


# ------------------------------------------------------------------ asyncio ---


def test_the_event_loop_keeps_its_ready_callbacks_in_ready() -> None:
    loop = asyncio.new_event_loop()
    try:
        ready = loop._ready  # type: ignore[attr-defined]
        assert len(ready) == 0
        loop.call_soon(lambda: None)
        assert len(ready) == 1
        loop.call_soon(loop.stop)
        loop.run_forever()
        assert len(ready) == 0
    finally:
        loop.close()


# ------------------------------------------------------------------ Textual ---


def test_textual_names_the_key_a_character_types() -> None:
    from textual.keys import _character_to_key

    assert _character_to_key("?") == "question_mark"
    assert _character_to_key("+") == "plus"
    assert _character_to_key("a") == "a"
    assert normalize("?, ctrl+r,[") == "question_mark,ctrl+r,left_square_bracket"


def test_textual_timers_tick_on_the_clock_in_textual_time() -> None:
    from textual._time import get_time

    first = get_time()
    assert isinstance(first, float) and get_time() >= first


def test_the_timer_internals_the_prompt_screen_uses() -> None:
    assert frames._TIMER_OK
    tick = inspect.signature(Timer._tick).parameters
    assert tick["next_timer"].kind is inspect.Parameter.KEYWORD_ONLY
    assert tick["count"].kind is inspect.Parameter.KEYWORD_ONLY
    assert inspect.iscoroutinefunction(Timer._run)

    class Target:
        pass

    target = Target()
    timer = Timer(target, 0.25, pause=True)  # type: ignore[arg-type]
    assert timer._interval == 0.25
    assert isinstance(timer._active, asyncio.Event) and not timer._active.is_set()


def test_the_screen_takes_its_update_timer_from_a_property() -> None:
    assert isinstance(inspect.getattr_static(Screen, "_update_timer"), property)
    assert callable(Screen._on_timer_update)
    screen = Screen[None]()
    assert hasattr(screen._timers, "add")
    assert isinstance(inspect.getattr_static(frames.PromptScreen, "_update_timer"), property)


# ----------------------------------------------------------- argparse, scipy ---


def test_argparse_subparsers_type() -> None:
    sub = argparse.ArgumentParser().add_subparsers()
    assert isinstance(sub, argparse._SubParsersAction)


def test_scipy_has_the_sosfilt_kernel() -> None:
    assert sosfilter._kernel_in_use()
    assert sosfilter._sosfilt_kernel is not None
    assert sosfilter._kernel_is_sound()
