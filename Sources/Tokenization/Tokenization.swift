// Tokenization module. See ../../README.md for the architecture.
