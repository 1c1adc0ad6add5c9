"""The environment a local Ray head is started with; Ray reads it when it is imported (and
each Ray process when it starts), so it is set first."""

from whisperd.deploy.ray_proxy import PROXY_CALLBACK, PROXY_CALLBACK_ENV

LOCAL_HEAD_ENV = {
    # Ray turns 127.0.0.1 into the host's outward address, and binds its servers there,
    # unless multi-node clusters are off.
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_USAGE_STATS_ENABLED": "0",
    # Ray Serve's proxy retries a lost replica's requests and answers in the protocols' shapes.
    PROXY_CALLBACK_ENV: PROXY_CALLBACK,
}
