import torch

from mlteam.model import SmallCNN, weights_digest
from mlteam.reproducibility import make_deterministic


def test_the_model_maps_images_to_class_scores():
    model = SmallCNN(classes=4, channels=8)
    assert model(torch.zeros(3, 1, 16, 16)).shape == (3, 4)


def test_one_seed_gives_one_set_of_weights():
    make_deterministic(7)
    first = weights_digest(SmallCNN(classes=4))
    make_deterministic(7)
    again = weights_digest(SmallCNN(classes=4))
    make_deterministic(8)
    other = weights_digest(SmallCNN(classes=4))
    assert first == again != other


def test_the_digest_changes_when_a_weight_changes():
    model = SmallCNN(classes=4)
    before = weights_digest(model)
    with torch.no_grad():
        model.head.bias[0] += 1.0
    assert weights_digest(model) != before
