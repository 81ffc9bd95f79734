-- Frozen detection per camera: whether a frame with the same bytes as the one before is a frozen
-- picture (the camera is cut and reconnected, FROZEN) or a frame like any other. Null: the default
-- for the source type, on for streams (mjpeg, rtsp), off for snapshots (a still scene polled gives
-- the same JPEG every time).
alter table cameras add column frozen_detection boolean null;
