"""Training on fed-back inputs is what makes long recursive forecasts work."""
import pytest

import lstm_chainer as lc


def horizon_20_rmse(tmp_path, seq_len, support_len, epochs):
    train, test = lc.sine_cos()
    trainer = lc.get_trainer(train, 100, seq_len=seq_len,
                             support_len=support_len, epoch=epochs,
                             snap=epochs, out=str(tmp_path), seed=0,
                             progress=False)
    trainer.run()
    table = lc.valid(trainer.updater.predictor,
                     lc.LSTM_Iterator(test, seq_len=20, repeat=False))
    return table['Total'].loc[20]


@pytest.mark.slow
def test_recursive_training_beats_the_articles_configuration(tmp_path):
    article = horizon_20_rmse(tmp_path / 'article', 10, 10, 60)
    recursive = horizon_20_rmse(tmp_path / 'recursive', 30, 0, 60)
    assert article > 0.2  # teacher forcing only: the error explodes
    assert recursive < 0.1
    assert recursive < 0.3 * article
