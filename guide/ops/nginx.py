"""nginx in front of the replicas of ``make run-scaled`` (Debian's nginx, our config).

One front port for the guide service's replicas and one for the dialogue server's, so clients,
the dialogue server's action calls and the guide's payment confirmations all go through it and
never to one replica by name. A replica that stops answering is passed over: a request that
could not be sent to it goes to the next one (``proxy_next_upstream``), which is safe because
nothing reached the dead one. socket.io keeps one client on one replica (its long-polling
requests must meet the same server), hashed by client address; REST turns go round robin, the
Redis lock store keeping each conversation's turns in order whichever replica takes them.
nginx tells the replicas who the client is in ``X-Forwarded-For`` (its own view of the peer,
replacing whatever the client sent), which they believe from 127.0.0.1 only
(``GUIDE_TRUSTED_PROXIES``, set by ``guide/ops/scaled.py``): the rate limits count clients, not nginx.
"""

from __future__ import annotations

import shutil
from pathlib import Path

NGINX = "/usr/sbin/nginx"

TEMPLATE = """\
# Written by guide/ops/nginx.py for `make run-scaled`; edits are overwritten.
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {error_log} warn;
events {{ worker_connections 4096; }}

http {{
    # No access log: it would hold visitors' addresses (personal data under Macau's PDPA).
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    client_max_body_size 2m;
    # Bodies and answers stay in memory: nginx's workers run as nobody and may not reach the
    # data dir to spill them to temp files (an action call carries the whole conversation).
    client_body_buffer_size 2m;
    proxy_buffers 32 64k;
    proxy_max_temp_file_size 0;

    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}

    upstream guide {{
{guide_servers}
        keepalive 32;
    }}
    upstream dialogue {{
{dialogue_servers}
        keepalive 32;
    }}
    upstream dialogue_sticky {{
        hash $remote_addr consistent;
{dialogue_servers}
    }}

    proxy_http_version 1.1;
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_next_upstream error timeout http_502 http_503;
    proxy_next_upstream_tries 2;
    proxy_connect_timeout 2s;
    proxy_read_timeout 120s;

    # A location that sets any header inherits none set above: each sets X-Forwarded-For itself.
    server {{
        listen {host}:{guide_port};
        # Action calls may be sent again to the other replica when one dies holding them: actions
        # only read, except paying, which is idempotent by order (a second call returns the first order).
        location = /webhook {{
            proxy_pass http://guide;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
        }}
        location / {{
            proxy_pass http://guide;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
    server {{
        listen {host}:{dialogue_port};
        location /socket.io/ {{
            proxy_pass http://dialogue_sticky;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_buffering off;
        }}
        location / {{
            proxy_pass http://dialogue;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


def servers(ports: list[int]) -> str:
    # A replica that refused a connection is left alone for 5 s, then tried again.
    return "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports)


def render(prefix: Path, guide_port: int, guide_ports: list[int], dialogue_port: int, dialogue_ports: list[int],
           error_log: Path, host: str = "127.0.0.1") -> str:  # fmt: skip
    return TEMPLATE.format(prefix=prefix, error_log=error_log, host=host, guide_port=guide_port,
                           dialogue_port=dialogue_port, guide_servers=servers(guide_ports),
                           dialogue_servers=servers(dialogue_ports))  # fmt: skip


def write(prefix: Path, **kwargs) -> Path:
    """The config in ``prefix`` with the temp folders nginx's workers (user nobody) write to."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        folder = prefix / "tmp" / name
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o1777)
    path = prefix / "nginx.conf"
    path.write_text(render(prefix, **kwargs), encoding="utf-8")
    return path


def binary() -> str:
    found = shutil.which("nginx") or (NGINX if Path(NGINX).exists() else "")
    if not found:
        raise FileNotFoundError("nginx is not installed: `make run-scaled` installs Debian's nginx-light")
    return found
