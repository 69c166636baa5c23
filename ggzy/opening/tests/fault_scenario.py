"""The fault test's subprocess (``python -m ggzy.opening.tests.fault_scenario PHASE STATE_DIR``),
run against a SQLite file and a media directory in STATE_DIR so that separate processes share
them:

* ``setup``: migrate, build a hall whose first bid is large, open it and start decryption; write
  the bid ids and the first bidder's content key to STATE_DIR/state.json.
* ``decrypt``: the server-side decryption of the large bid (``content_key_submit``), as the key
  endpoint runs it; prints ``decrypting`` first. The test kills this process with SIGKILL midway.
* ``status``: print the opened bids, the bid statuses and the event count as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(phase: str, state_dir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DATABASE_URL"] = f"sqlite:///{state_dir / 'db.sqlite3'}"
    os.environ["GGZY_MEDIA_ROOT"] = str(state_dir / "files")
    os.environ["GGZY_PLATFORM_KEY_PATH"] = str(state_dir / "platform-key.pem")
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.GGZY_OPENING_TMP_DIR = str(state_dir / "tmp")
    (state_dir / "tmp").mkdir(exist_ok=True)
    from ggzy.core.clock import FixedClock
    from ggzy.opening import services
    from ggzy.trading.models import Bid

    state_file = state_dir / "state.json"
    if phase == "setup":
        from django.core.management import call_command

        from ggzy.opening.tests.hallkit import T0, build_hall

        call_command("migrate", verbosity=0)
        clock = FixedClock(T0)
        size = int(os.environ.get("FAULT_BID_BYTES", str(64 << 20)))
        hall = build_hall(clock, bids=3, big_bid_path=state_dir / "big.env", big_size=size)
        session = services.opening_session_open(actor=None, section=hall.section, clock=clock)
        services.opening_decryption_start(actor=hall.host, session=session, clock=clock)
        big = hall.bidders[0]
        state = {
            "at": clock.now().isoformat(),
            "bid": big.bid.pk,
            "user": big.user.pk,
            "key": big.content_key(big.bid).hex(),
            "session": session.pk,
        }
        state_file.write_text(json.dumps(state))
        return
    state = json.loads(state_file.read_text())
    import datetime as dt

    clock = FixedClock(dt.datetime.fromisoformat(state["at"]))
    if phase == "decrypt":
        from ggzy.accounts.models import User

        bid = Bid.objects.select_related("section", "envelope", "signer_certificate", "organisation").get(
            pk=state["bid"]
        )
        _say("decrypting")
        opened = services.content_key_submit(
            actor=User.objects.get(pk=state["user"]),
            bid=bid,
            content_key=bytes.fromhex(state["key"]),
            clock=clock,
        )
        _say(json.dumps({"opened": opened.pk, "file_sha256": opened.file_sha256}))
        return
    if phase == "status":
        from ggzy.opening.models import OpenedBid, OpeningEvent

        bid = Bid.objects.get(pk=state["bid"])
        _say(
            json.dumps(
                {
                    "opened": list(OpenedBid.objects.values_list("bid_id", flat=True)),
                    "bid_status": bid.status,
                    "events": list(OpeningEvent.objects.order_by("seq").values_list("kind", flat=True)),
                    "state": services.session_for(bid.section).state,
                }
            )
        )
        return
    raise SystemExit(f"unknown phase {phase}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
