"""The artist's document without Qt: its state, the project file and the crash journal, so the
window, the command line and the tests read and write the same files."""
