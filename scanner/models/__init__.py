"""Model files: the manifest, ONNX sessions and the graph rewrites."""
