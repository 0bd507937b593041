"""The one interface the engine drives every colorizing network through.

It lives in nets because the engine imports nets and never the reverse (docs/architecture.md §1):
``UnifiedGenerator`` is this interface, and each paper generator is wrapped to it by an adapter
of ``engine.adapters``. Tensors are those of ``nets.unified``: sketch (B, 1, H, W) and reference
(B, 3, H', W') in [-1, 1], hints (B, 4, H, W) RGB·mask and mask in [0, 1], cvt (B, n_cvt) tag
values; ``decode`` returns ``(rgb, aux)`` with rgb (B, 3, H, W) in [-1, 1].
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from torch import Tensor


@runtime_checkable
class ColorNet(Protocol):
    """A network the engine can encode a drawing with once and decode many hint sets from."""

    @property
    def size_multiple(self) -> int:
        """The sketch's height and width must be multiples of this."""
        ...

    @property
    def region_hints(self) -> bool:
        """Whether the hint map must arrive flooded over the regions its strokes color
        (``FlatFill.hint_map``) instead of as rasterized."""
        ...

    def eval(self) -> Any:
        """Inference behaviour (``nn.Module.eval``)."""
        ...

    def encode_sketch(self, sketch: Tensor) -> Any:
        """The line-art encoding ``decode`` reads; computed once per drawing and size."""
        ...

    def encode_reference(self, reference: Tensor) -> Any:
        """The reference's features ``decode`` reads as ``ref_features``."""
        ...

    def part_map(self, encoding: Any) -> Tensor | None:
        """(B, P, h, w) logits of each pixel's part (the vocabulary's parts) at any resolution,
        for region consistency to split an area the network sees as two parts; None from a
        network without a part head."""
        ...

    def decode(
        self,
        encoding: Any,
        *,
        hints: Tensor | None = None,
        cvt: Tensor | None = None,
        cvt_present: Tensor | None = None,
        ref_features: Any = None,
        ref_present: Tensor | None = None,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """The colors from an encoding and whatever hints there are (None: absent); the
        per-sample presence flags serve batched training only."""
        ...
