import socket

from parley_devstack.machine import _ephemeral_floor, free_port


def test_a_free_port_is_bindable_and_outside_the_range_outgoing_connections_use() -> None:
    floor = _ephemeral_floor()
    ports = {free_port() for _ in range(50)}
    assert all(port < floor for port in ports)
    assert len(ports) > 1
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", ports.pop()))


def test_a_port_something_listens_on_is_never_handed_out() -> None:
    listeners = []
    try:
        for _ in range(200):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", free_port()))
            sock.listen()
            listeners.append(sock)
        taken = {sock.getsockname()[1] for sock in listeners}
        # ~1 % of the range is taken: 1,000 draws meet a taken port about ten times.
        assert not {free_port() for _ in range(1000)} & taken
    finally:
        for sock in listeners:
            sock.close()
