//! cmod's built-in functions: the one signature table the checker reads, and the kernels the generated code calls.
