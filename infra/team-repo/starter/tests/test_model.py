import pytest
import torch
from torch import nn

from mlteam.model import SmallCNN, average_pool, weights_digest
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


# Backward functions PyTorch refuses on CUDA under torch.use_deterministic_algorithms(True)
# (its docs for that function): a GPU run would stop at the first backward pass. The autograd
# graph names them on the CPU too, whether the model uses a module or a function.
NO_DETERMINISTIC_CUDA_BACKWARD = {
    "AvgPool3DBackward0",
    "AdaptiveAvgPool2DBackward0",
    "AdaptiveAvgPool3DBackward0",
    "MaxPool3DWithIndicesBackward0",
    "AdaptiveMaxPool2DBackward0",
    "FractionalMaxPool2DBackward0",
    "FractionalMaxPool3DBackward0",
}


def backward_functions(output: torch.Tensor) -> set[str]:
    seen, todo = set(), [output.grad_fn]
    while todo:
        node = todo.pop()
        if node is not None and node not in seen:
            seen.add(node)
            todo.extend(child for child, _ in node.next_functions)
    return {type(node).__name__ for node in seen}


def test_every_backward_step_is_deterministic_on_a_gpu_too():
    functions = backward_functions(SmallCNN(classes=4)(torch.zeros(2, 1, 16, 16)).sum())
    assert "ConvolutionBackward0" in functions  # the walk reaches the first layer
    refused = sorted(functions & NO_DETERMINISTIC_CUDA_BACKWARD)
    assert refused == [], f"no deterministic CUDA backward: {refused}; see torch.use_deterministic_algorithms"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU (the GPU runner and GPU notebooks have one)")
def test_two_cuda_training_steps_give_bit_identical_weights():
    def train_twice() -> str:
        make_deterministic(7)
        model = SmallCNN(classes=4).cuda()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        images, labels = torch.randn(32, 1, 16, 16).cuda(), torch.arange(32).remainder(4).cuda()
        for _ in range(2):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(images), labels).backward()
            optimizer.step()
        return weights_digest(model)

    assert train_twice() == train_twice()


@pytest.mark.parametrize("height, width", [(16, 16), (4, 4), (17, 23), (5, 512)])
def test_the_pooling_matches_adaptive_average_pooling(height, width):
    x = torch.randn(2, 3, height, width)
    assert torch.allclose(average_pool(x, 4), nn.AdaptiveAvgPool2d(4)(x), atol=1e-6)
