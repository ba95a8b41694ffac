import sys

from lstm_chainer.cli import main

sys.exit(main())
