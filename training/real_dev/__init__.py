"""The real dev set (docs/architecture.md §7): labels of real drawings kept as project data, and the
benchmark that scores a colorizer on them (``python -m training eval-real``)."""
