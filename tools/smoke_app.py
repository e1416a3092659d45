"""Open the review app on the bundled session headless (Textual's test driver) and check that
the suggestions arrive: the smallest proof that an installed mixreview works as an app."""

from __future__ import annotations

import asyncio
import sys

from mixreview.analysis.samples import bundled_session
from mixreview.tui.app import MixReviewApp

TIMEOUT_S = 120.0


async def main() -> int:
    app = MixReviewApp(bundled_session())
    async with app.run_test(size=(100, 30)) as pilot:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT_S
        while app.main.analysis is None and loop.time() < deadline:
            await pilot.pause(0.2)
        if app.main.analysis is None:
            print("smoke_app: the bundled session did not load", file=sys.stderr)
            return 1
        count = len(app.main.suggestions)
        print(f"smoke_app: the app opened the bundled session with {count} suggestions")
        await pilot.press("q")
    return 0 if count > 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
