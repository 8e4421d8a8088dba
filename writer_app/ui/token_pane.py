"""The "Next tokens" pane: the likeliest next tokens, raw and under the current settings.

Each row shows the token with its white space made visible, a bar for the probability
the model gives it and a bar for its probability under the sampling settings; tokens
that top-k or top-p cut are greyed. A click (or Alt+1…9) inserts the token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from writer_app.boundary.results import TokenInfo

KEY_COLUMN, TOKEN_COLUMN, RAW_COLUMN, SAMPLED_COLUMN = range(4)
TOKEN_ROLE = Qt.ItemDataRole.UserRole  # the TokenInfo of a row
VALUE_ROLE = Qt.ItemDataRole.UserRole + 1  # a bar's probability
_VISIBLE_WHITESPACE = str.maketrans({" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍",
                                     "\u00a0": "⍽", "\u3000": "□"})


def visible_token(token: TokenInfo) -> str:
    """The token as the pane shows it: "␣the", "↵", or "<0xE4>" for part of a character."""
    if not token.text or "\ufffd" in token.text:
        return token.piece
    return token.text.translate(_VISIBLE_WHITESPACE)


def is_insertable(token: TokenInfo) -> bool:
    """Part of a multi-byte character has no text of its own to insert."""
    return bool(token.text) and "\ufffd" not in token.text


class _BarDelegate(QStyledItemDelegate):
    """Paints a probability as a slim bar with its percentage."""

    def __init__(self, color_role: QPalette.ColorRole, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._color_role = color_role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        if style is not None:  # the row's background and selection, without the text
            option.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter,
                              option.widget)
        value = float(index.data(VALUE_ROLE) or 0.0)
        enabled = bool(option.state & QStyle.StateFlag.State_Enabled) and \
            index.data(Qt.ItemDataRole.ForegroundRole) is None
        palette = option.palette
        rect: QRect = option.rect.adjusted(4, 0, -4, 0)
        label_width = option.fontMetrics.horizontalAdvance("100.0%") + 6
        track = QRect(rect.left(), rect.center().y() - 3, max(0, rect.width() - label_width), 7)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
        painter.drawRoundedRect(track, 3, 3)
        if value > 0:
            bar = QRect(track)
            bar.setWidth(max(3, round(track.width() * min(value, 1.0))))
            color = QColor(palette.color(self._color_role))
            if not enabled:
                color = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            painter.setBrush(color)
            painter.drawRoundedRect(bar, 3, 3)
        text_role = QPalette.ColorRole.Text if enabled else QPalette.ColorRole.PlaceholderText
        painter.setPen(palette.color(text_role))
        label = QRect(track.right() + 4, rect.top(), label_width, rect.height())
        painter.drawText(label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         _percent(value))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(option.fontMetrics.horizontalAdvance("100.0%") + 60,
                     option.fontMetrics.height() + 8)


def _percent(value: float) -> str:
    if value <= 0:
        return "—"
    if value < 0.001:
        return "<0.1%"
    return f"{value * 100:.1f}%"


class NextTokensPane(QWidget):
    """Lists candidates; emits `tokenChosen(TokenInfo)` when one is clicked."""

    tokenChosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nextTokensPane")
        self._heading = QLabel(self.tr("Load a model to see the next tokens."))
        self._heading.setWordWrap(True)
        self._heading.setContentsMargins(2, 0, 2, 4)
        self._heading.setTextFormat(Qt.TextFormat.PlainText)
        self._list = QTreeWidget()
        self._list.setObjectName("nextTokensList")
        self._list.setColumnCount(4)
        self._list.setHeaderLabels(["", self.tr("Token"), self.tr("Model"), self.tr("Sampled")])
        header_item = self._list.headerItem()
        header_item.setToolTip(TOKEN_COLUMN, "The token, with spaces shown as ␣ and line "
                                             "breaks as ↵.")
        header_item.setToolTip(RAW_COLUMN, "How likely the model itself finds this token.")
        self._sampled_tip = self.tr("Its chance under the current sampling settings; — means "
                                    "top-k or top-p cut it.")
        header_item.setToolTip(SAMPLED_COLUMN, self._sampled_tip)
        self.approximate = False  # the sampled column is an estimate (a server's top tokens)
        self._list.setRootIsDecorated(False)
        self._list.setUniformRowHeights(True)
        self._list.setAlternatingRowColors(False)
        self._list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the editor keeps the focus
        self._list.setMouseTracking(True)
        self._list.setItemDelegateForColumn(RAW_COLUMN,
                                            _BarDelegate(QPalette.ColorRole.Mid, self._list))
        self._list.setItemDelegateForColumn(SAMPLED_COLUMN, _BarDelegate(
            QPalette.ColorRole.Highlight, self._list))
        header = self._list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(KEY_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TOKEN_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(RAW_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SAMPLED_COLUMN, QHeaderView.ResizeMode.Stretch)
        self._list.itemClicked.connect(self._on_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addWidget(self._heading)
        layout.addWidget(self._list)
        self._tokens: tuple[TokenInfo, ...] = ()

    @property
    def tokens(self) -> tuple[TokenInfo, ...]:
        return self._tokens

    def heading(self) -> str:
        return self._heading.text()

    def set_heading(self, text: str) -> None:
        self._heading.setText(text)

    def show_tokens(self, tokens: Sequence[TokenInfo], heading: str | None = None,
                    chosen_id: int | None = None, approximate: bool = False) -> None:
        """Replace the rows; `chosen_id` marks the token a generation step drew.

        `approximate`: the sampled column was computed from the few top tokens a server
        sent, not the whole vocabulary — its header says "≈" and why."""
        self._tokens = tuple(tokens)
        self._mark_approximate(approximate)
        if heading is not None:
            self._heading.setText(heading)
        self._list.setUpdatesEnabled(False)
        try:
            self._list.clear()
            grey = QBrush(self.palette().color(QPalette.ColorRole.PlaceholderText))
            for rank, token in enumerate(self._tokens, start=1):
                item = QTreeWidgetItem(["", visible_token(token), "", ""])
                item.setData(0, TOKEN_ROLE, token)
                if rank <= 9:
                    item.setText(KEY_COLUMN, str(rank))
                    item.setToolTip(KEY_COLUMN, f"Alt+{rank} inserts this token")
                item.setData(RAW_COLUMN, VALUE_ROLE, token.prob)
                item.setData(SAMPLED_COLUMN, VALUE_ROLE, token.sampled_prob)
                item.setTextAlignment(KEY_COLUMN, Qt.AlignmentFlag.AlignCenter)
                item.setToolTip(TOKEN_COLUMN, _describe(token))
                if token.sampled_prob <= 0 or not is_insertable(token):
                    for column in range(4):
                        item.setForeground(column, grey)
                if token.id == chosen_id:
                    bold = QFont(self._list.font())
                    bold.setBold(True)
                    item.setFont(TOKEN_COLUMN, bold)
                self._list.addTopLevelItem(item)
        finally:
            self._list.setUpdatesEnabled(True)

    def _mark_approximate(self, approximate: bool) -> None:
        if approximate == self.approximate:
            return
        self.approximate = approximate
        header = self._list.headerItem()
        sampled = self.tr("Sampled")
        header.setText(SAMPLED_COLUMN, f"{sampled} ≈" if approximate else sampled)
        header.setToolTip(SAMPLED_COLUMN, self._sampled_tip + ("\n" + self.tr(
            "≈ An estimate: the server sent only its top tokens, and the rest of the "
            "vocabulary could change these figures.") if approximate else ""))

    def sampled_header(self) -> tuple[str, str]:
        """The sampled column's header text and tooltip (for tests)."""
        header = self._list.headerItem()
        return header.text(SAMPLED_COLUMN), header.toolTip(SAMPLED_COLUMN)

    def clear(self, heading: str) -> None:
        self.show_tokens((), heading)

    def token_at(self, index: int) -> TokenInfo | None:
        """The candidate in row `index` (0-based), if it can be inserted."""
        if 0 <= index < len(self._tokens) and is_insertable(self._tokens[index]):
            return self._tokens[index]
        return None

    def click_row(self, index: int) -> None:
        """What a click on a row does (for keyboard users and tests)."""
        item = self._list.topLevelItem(index)
        if item is not None:
            self._on_clicked(item, TOKEN_COLUMN)

    def row_rect(self, index: int) -> QRect:
        """Where row `index` is drawn, in the list's viewport (for tests that click)."""
        item = self._list.topLevelItem(index)
        return self._list.visualItemRect(item) if item is not None else QRect()

    @property
    def list_viewport(self) -> QWidget:
        return self._list.viewport()

    def _on_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        token = item.data(0, TOKEN_ROLE)
        if token is not None and is_insertable(token):
            self.tokenChosen.emit(token)


def _describe(token: TokenInfo) -> str:
    lines = [f"Token {token.id}: {token.piece!r}",
             f"Model: {_percent(token.prob)} · Sampled: {_percent(token.sampled_prob)}"]
    if token.sampled_prob <= 0:
        lines.append("Cut by the current top-k / top-p settings.")
    if not is_insertable(token):
        lines.append("Part of a character: it cannot be inserted on its own.")
    return "\n".join(lines)
