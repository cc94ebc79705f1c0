import torch
import torch.optim as optim


def get_model():
    labels_num = 4
    from model import RelationClassifier
    model = RelationClassifier(labels_num)
    return model


def evaluate(net, batches):
    net.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for text, mask, y in batches:
            outputs = net(text, mask, y)
            loss, logits = outputs[0], outputs[1]
            _, predicted = torch.max(logits.data, 1)
            total += text.size(0)
            correct += predicted.eq(y).sum().item()
    return loss.item(), correct / total


def train(net, batches, epochs, learning_rate):
    net.train()
    optimizer = optim.SGD(net.parameters(), lr=learning_rate)
    for epoch in range(epochs):
        for text, mask, y in batches:
            optimizer.zero_grad()
            loss, logits = net(text, mask, y)
            loss.backward()
            optimizer.step()
        dev_loss, accuracy = evaluate(net, batches)
        print("epoch", epoch, "loss", round(loss.item(), 6), "dev loss", round(dev_loss, 6), "acc", accuracy)


torch.manual_seed(44)
model = get_model()
data = [(torch.randint(0, 50, (4, 5)), torch.ones(4, 5), torch.randint(0, 4, (4,))) for _ in range(3)]
train(model, data, 2, 0.1)
