"""Buckets for a Distributed Map's ItemReader and ResultWriter: S3's objects as files of a local
folder (`<folder>/<Bucket>/<Key>`), read as a stream; the shells give them to the core's env."""
