//! Every testdata case through the native library equals its golden output.
