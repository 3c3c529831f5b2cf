"""A Streamlit client that speaks the browser's protocol, for the load test (`sales_assets/measure/loadtest.py`).

A session is one websocket on `/_stcore/stream`, as the frontend opens it. The client sends
`BackMsg.rerun_script` with a `ClientState` holding the widgets' states (the frontend sends one
for every widget change); the server answers with `ForwardMsg`s: `new_session` when the script
starts, a `delta` per element it draws, `script_finished` when it ends. Widgets are known only from
those deltas (their ids are hashes; a keyed widget's id ends with its key), so a session learns them
from the page before it can change one. The client never reports cached messages, so the server
always sends elements whole (no `ref_hash`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

FINISHED_STATUS = {value: name for name, value in ForwardMsg.ScriptFinishedStatus.items()}


class SessionError(Exception):
    """A script run a person would have seen fail: its `kind` names how (for counting), the message what."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind


@dataclass
class Widget:
    """A sidebar widget as the page declares it: enough to send a state for it."""

    id: str
    kind: str  # date_input or multiselect
    options: list[str] = field(default_factory=list)  # a multiselect's options, as shown
    min: str = ""  # a date input's bounds and default, ISO dates
    max: str = ""
    default: list[str] = field(default_factory=list)


@dataclass
class Page:
    """What one script run drew, as far as the load test cares."""

    status: str = ""
    widgets: dict[str, Widget] = field(default_factory=dict)  # by key
    metrics: dict[str, str] = field(default_factory=dict)  # label -> shown value
    texts: list[str] = field(default_factory=list)  # markdown and captions
    exceptions: list[str] = field(default_factory=list)
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (format, body)

    def add(self, msg: ForwardMsg) -> None:
        """One delta of the run: an element drawn (blocks and containers are not of interest here)."""
        if msg.delta.WhichOneof("type") != "new_element":
            return
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind == "metric":
            self.metrics[element.metric.label] = element.metric.body
        elif kind == "markdown":
            self.texts.append(element.markdown.body)
        elif kind == "exception":
            self.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "alert":
            self.alerts.append((Alert.Format.Name(element.alert.format), element.alert.body))
        elif kind == "date_input":
            proto = element.date_input
            self._widget(Widget(proto.id, kind, min=proto.min, max=proto.max, default=list(proto.default)))
        elif kind == "multiselect":
            self._widget(Widget(element.multiselect.id, kind, options=list(element.multiselect.options)))

    def _widget(self, widget: Widget) -> None:
        # A keyed widget's id is "$$ID-<hash>-<key>"; unkeyed ones have no key to find them by.
        key = widget.id.rsplit("-", 1)[-1]
        self.widgets[key] = widget


def date_state(widget: Widget, first: str, last: str) -> WidgetState:
    """A date range as the frontend sends it: two ISO dates."""
    state = WidgetState(id=widget.id)
    state.string_array_value.data.extend([first, last])
    return state


def multiselect_state(widget: Widget, picked: Iterable[str]) -> WidgetState:
    """A multiselect's picks as the frontend sends them: the options' shown strings."""
    state = WidgetState(id=widget.id)
    state.string_array_value.data.extend(picked)
    return state


class StreamlitSession:
    """One browser tab: a websocket and the script runs it asks for, one at a time."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url  # ws://host:port/_stcore/stream
        self.timeout = timeout
        self.socket: ClientConnection | None = None

    async def open(self) -> None:
        # Browsers send no protocol-level pings; a ping unanswered while the server is busy would close
        # the socket for a reason of this client's own. Messages can be large (charts, tables).
        self.socket = await connect(
            self.url,
            subprotocols=["streamlit"],
            max_size=None,
            ping_interval=None,
            proxy=None,
            open_timeout=self.timeout,
        )

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
            self.socket = None

    async def run(self, states: Sequence[WidgetState] = ()) -> tuple[Page, float]:
        """Ask for a script run with these widget states; the page it drew and the seconds from the
        request to `script_finished`. Raises SessionError for anything a person would see fail."""
        request = BackMsg(rerun_script=ClientState(widget_states=WidgetStates(widgets=list(states))))
        began = time.perf_counter()
        try:
            if self.socket is None:  # a new tab, or the next run after a socket closed
                await self.open()
            await self.socket.send(request.SerializeToString())
            page = await asyncio.wait_for(self._until_finished(), self.timeout)
        except TimeoutError:
            await self.close()  # the run may still be going: start the next one on a fresh socket
            raise SessionError("timeout", f"no script_finished within {self.timeout:.0f}s") from None
        except ConnectionClosed as err:
            self.socket = None
            raise SessionError("closed", f"the socket closed: {err}") from None
        except (OSError, InvalidHandshake) as err:
            raise SessionError("connect", f"cannot open {self.url}: {err}") from None
        elapsed = time.perf_counter() - began
        if page.status != "FINISHED_SUCCESSFULLY":
            raise SessionError("script", f"the script finished with {page.status}")
        if page.exceptions:
            raise SessionError("exception", page.exceptions[0])
        if errors := [body for kind, body in page.alerts if kind in ("ERROR", "WARNING")]:
            raise SessionError("alert", errors[0])
        return page, elapsed

    async def _until_finished(self) -> Page:
        page: Page | None = None
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self.socket.recv())
            kind = msg.WhichOneof("type")
            if kind == "new_session":  # the script started: what follows is this run's page
                page = Page()
            elif page is not None and kind == "delta":
                page.add(msg)
            elif page is not None and kind == "script_finished":
                page.status = FINISHED_STATUS.get(msg.script_finished, str(msg.script_finished))
                return page
