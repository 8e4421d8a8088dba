"""Writer's engine on a CUDA GPU: `benchmarks/gpu_check.sh` runs `benchmarks.gpu.bench`."""
