using System.Runtime.Versioning;

namespace Muster.Security;

/// <summary>Reads and writes the cluster key file: raw random bytes, as Corosync's authkey, readable by root only.</summary>
public static class KeyFile
{
    /// <summary>Where the daemon looks for the key when the configuration does not say.</summary>
    public const string DefaultPath = "/etc/muster/authkey";

    /// <summary>Bytes <c>muster keygen</c> writes (256 bits).</summary>
    public const int GeneratedLength = 32;

    /// <summary>The file's mode: read-only for its owner.</summary>
    public const UnixFileMode Mode = UnixFileMode.UserRead;

    /// <summary>Reads the key in <paramref name="path"/>.</summary>
    /// <param name="path">The key file.</param>
    /// <param name="warning">Set when the file is usable but others than its owner may read it.</param>
    /// <exception cref="KeyFileException">Missing, unreadable, too short or too long.</exception>
    public static ClusterKey Read(string path, out string? warning)
    {
        warning = null;
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new KeyFileException(path, "does not exist: create one with `muster keygen` and copy it to every node");
            }

            if (info.Length > ClusterKey.MaxLength)
            {
                throw new KeyFileException(path, $"holds {info.Length} bytes; a key may hold at most {ClusterKey.MaxLength}");
            }

            bytes = File.ReadAllBytes(path);
            if (!OperatingSystem.IsWindows())
            {
                warning = CheckMode(path, info);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyFileException(path, $"cannot be read: {ex.Message}", ex);
        }

        return ClusterKey.FromBytes(bytes, path);
    }

    /// <summary>Writes a new random key to <paramref name="path"/> with mode 0400.</summary>
    /// <param name="path">The key file to create.</param>
    /// <param name="force">Replace an existing file; without it an existing file is an error and is left untouched.</param>
    /// <returns>The key written.</returns>
    /// <exception cref="KeyFileException">The file exists (without <paramref name="force"/>) or cannot be written.</exception>
    public static ClusterKey Generate(string path, bool force)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("key files are written with Unix permissions");
        }

        var key = ClusterKey.Generate(path, GeneratedLength);
        if (File.Exists(path) && !force)
        {
            throw new KeyFileException(path,
                "already exists; it was not changed (every node must use the same key: use --force only to replace it on purpose)");
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        string temporary = Path.Combine(directory ?? ".", $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            // Created with its final mode before a byte is written, then renamed over the target: no moment exists at
            // which the secret sits in a file that others can read, and a crash leaves the old key whole.
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(key.ExportSecret());
                stream.Flush(flushToDisk: true);
            }

            File.SetUnixFileMode(temporary, Mode);
            File.Move(temporary, path, overwrite: force);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new KeyFileException(path, $"cannot be written: {ex.Message}", ex);
        }

        return key;
    }

    [UnsupportedOSPlatform("windows")]
    private static string? CheckMode(string path, FileInfo info)
    {
        var open = info.UnixFileMode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        return open == 0 ? null : $"key file {path} can be read or written by others than its owner (mode {FormatMode(info.UnixFileMode)}); use chmod 0400";
    }

    private static string FormatMode(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
