using W = Muster.Ipc.Contracts;

namespace Muster.Client.Wire;

/// <summary>The client's arguments as the IPC protocol carries them (the other direction of <see cref="FromWire"/>).</summary>
internal static class ToWire
{
    public static W.KeyOperation KeyOperation(KeyOperation operation) => operation switch
    {
        Client.KeyOperation.Load => W.KeyOperation.Load,
        Client.KeyOperation.Activate => W.KeyOperation.Activate,
        Client.KeyOperation.Retire => W.KeyOperation.Retire,
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "not a key operation"),
    };
}
