"""File input and output: decoding files, formats (text, Markdown, HTML, JSONL, CSV), and safe resumable batch repair."""
