"""Saving NumPy random streams in Chainer snapshots."""


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
