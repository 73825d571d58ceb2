"""Pictures in and out: decoding, encoding and the metadata inventory."""
