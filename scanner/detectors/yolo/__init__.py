"""User-added YOLO models: the detector, its ONNX and PyTorch backends, the model store."""
