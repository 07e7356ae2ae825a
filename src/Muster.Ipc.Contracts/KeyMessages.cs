namespace Muster.Ipc.Contracts;

/// <summary>Asks which cluster keys the daemon holds; answered with <see cref="KeysResponse"/>.</summary>
public sealed record GetKeysRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static GetKeysRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.GetKeys;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>A step of an online key rotation (see <see cref="KeyOperationRequest"/>).</summary>
public enum KeyOperation : byte
{
    /// <summary>Read the key file again; a new key there is accepted besides the current one (phase 1).</summary>
    Load = 1,
    /// <summary>Seal with the loaded key from now on; the old one is still accepted (phase 2).</summary>
    Activate = 2,
    /// <summary>Drop the old key (phase 3).</summary>
    Retire = 3,
}

/// <summary>Runs one step of a key rotation on this node; answered with <see cref="KeysResponse"/> or an error.</summary>
/// <param name="Operation">The step.</param>
public sealed record KeyOperationRequest(KeyOperation Operation) : IpcRequest
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.KeyOperation;

    internal override void WriteBody(ref FrameWriter writer) => writer.WriteByte((byte)Operation);

    internal static KeyOperationRequest Read(ref FrameReader r) =>
        new((KeyOperation)r.ReadEnumByte((byte)KeyOperation.Load, (byte)KeyOperation.Retire, "operation"));
}

/// <summary>The role of a key a node holds.</summary>
public enum KeyRole : byte
{
    /// <summary>Packets are sealed with it (and accepted).</summary>
    Current = 1,
    /// <summary>Loaded for a rotation: accepted, not yet sealed with.</summary>
    Staged = 2,
    /// <summary>Replaced by a rotation: still accepted until retired.</summary>
    Previous = 3,
}

/// <summary>One key a node holds.</summary>
/// <param name="Fingerprint">The key's 32-bit name, as carried in packets.</param>
/// <param name="Role">What the node does with it.</param>
/// <param name="Source">The file it was read from.</param>
public sealed record KeyInfo(uint Fingerprint, KeyRole Role, string Source);

/// <summary>Answers <see cref="GetKeysRequest"/> and <see cref="KeyOperationRequest"/>.</summary>
/// <param name="Encrypted">False when the daemon runs with <c>crypto = "none"</c> (then <paramref name="Keys"/> is empty).</param>
/// <param name="Keys">The keys held, the current one first.</param>
/// <param name="Outcome">What the operation did, in words; empty for <see cref="GetKeysRequest"/>.</param>
public sealed record KeysResponse(bool Encrypted, IReadOnlyList<KeyInfo> Keys, string Outcome) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.KeysResult;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteByte(Encrypted ? (byte)1 : (byte)0);
        writer.WriteCount(Keys.Count);
        foreach (var key in Keys)
        {
            writer.WriteUInt32(key.Fingerprint);
            writer.WriteByte((byte)key.Role);
            writer.WriteString(key.Source);
        }

        writer.WriteString(Outcome);
    }

    internal static KeysResponse Read(ref FrameReader r)
    {
        bool encrypted = r.ReadBool("encrypted");
        // fingerprint (4), role (1), source (a string: its length prefix at least)
        int count = r.ReadCount(4 + 1 + 2, "keys");
        var keys = count == 0 ? [] : new KeyInfo[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            uint fingerprint = r.ReadUInt32("key.fingerprint");
            var role = (KeyRole)r.ReadEnumByte((byte)KeyRole.Current, (byte)KeyRole.Previous, "key.role");
            keys[i] = new KeyInfo(fingerprint, role, r.ReadString("key.source"));
        }

        return new KeysResponse(encrypted, keys, r.ReadString("outcome"));
    }
}
