"""NumPy random streams: saved in snapshots, swapped in for a while."""
import contextlib

import numpy as np


def serialize_random(serializer, random):
    """Saves or restores a ``numpy.random.RandomState`` through a serializer.

    Args:
        serializer: Chainer (de)serializer, already scoped to a child name.
        random (numpy.random.RandomState): The stream; restored in place.
    """
    name, keys, pos, has_gauss, gauss = random.get_state()
    keys = serializer('keys', keys)
    pos = serializer('pos', pos)
    has_gauss = serializer('has_gauss', has_gauss)
    gauss = serializer('gauss', gauss)
    random.set_state((name, keys, int(pos), int(has_gauss), float(gauss)))


@contextlib.contextmanager
def global_random(random):
    """Lets NumPy's global generator draw from ``random`` for a block.

    Chainer's initialisers and CPU dropout draw from the global generator;
    inside the block they draw from ``random`` (which then holds what was
    drawn), and the caller's global stream is left as it was.

    Args:
        random (numpy.random.RandomState): The stream; ``None`` leaves the
            global generator alone.
    """
    if random is None:
        yield
        return
    saved = np.random.get_state()
    np.random.set_state(random.get_state())
    try:
        yield
    finally:
        random.set_state(np.random.get_state())
        np.random.set_state(saved)
