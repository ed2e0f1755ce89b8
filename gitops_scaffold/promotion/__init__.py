"""Day-two image pins: set-image, promote, the versions board and the Git steps CI needs."""
