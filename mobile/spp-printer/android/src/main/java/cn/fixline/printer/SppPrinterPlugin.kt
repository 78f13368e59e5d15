package cn.fixline.printer

import android.Manifest
import android.annotation.SuppressLint
import android.app.Activity
import android.bluetooth.BluetoothAdapter
import android.bluetooth.BluetoothManager
import android.bluetooth.BluetoothSocket
import android.content.Context
import android.os.Build
import android.util.Base64
import app.tauri.annotation.Command
import app.tauri.annotation.InvokeArg
import app.tauri.annotation.Permission
import app.tauri.annotation.TauriPlugin
import app.tauri.plugin.Invoke
import app.tauri.plugin.JSArray
import app.tauri.plugin.JSObject
import app.tauri.plugin.Plugin
import java.io.IOException
import java.util.UUID
import java.util.concurrent.Executors

/** The serial port profile every SPP printer answers on. */
private val SPP_UUID: UUID = UUID.fromString("00001101-0000-1000-8000-00805F9B34FB")

/** DLE EOT 1: "send printer status". */
private val STATUS_REQUEST = byteArrayOf(0x10, 0x04, 0x01)

@InvokeArg
class PrintArgs {
    /** The printer's Bluetooth address, e.g. "66:22:E2:4C:1A:07". */
    lateinit var device: String
    /** The job, base64: the bytes fixline-print made for this printer's profile. */
    lateinit var data: String
    var chunkBytes: Int = 1024
    var paceMs: Long = 5
    var statusTimeoutMs: Int = 10_000
}

@TauriPlugin(
    permissions = [
        Permission(
            strings = [Manifest.permission.BLUETOOTH_CONNECT, Manifest.permission.BLUETOOTH_SCAN],
            alias = "bluetooth"
        )
    ]
)
class SppPrinterPlugin(private val activity: Activity) : Plugin(activity) {
    /** One job at a time, off the UI thread: printing a raster receipt takes tens of seconds. */
    private val worker = Executors.newSingleThreadExecutor()

    private fun adapter(): BluetoothAdapter? =
        (activity.getSystemService(Context.BLUETOOTH_SERVICE) as BluetoothManager?)?.adapter

    private fun permitted(): Boolean =
        Build.VERSION.SDK_INT < Build.VERSION_CODES.S ||
            activity.checkSelfPermission(Manifest.permission.BLUETOOTH_CONNECT) ==
            android.content.pm.PackageManager.PERMISSION_GRANTED

    /** Paired devices the engineer can choose as the printer. */
    @SuppressLint("MissingPermission")
    @Command
    fun pairedPrinters(invoke: Invoke) {
        val adapter = adapter() ?: return invoke.reject("This device has no Bluetooth.")
        if (!permitted()) return invoke.reject("Allow Fixline to use Bluetooth to print.")
        if (!adapter.isEnabled) return invoke.reject("Bluetooth is off. Turn it on to print.")
        val list = JSArray()
        for (device in adapter.bondedDevices) {
            list.put(JSObject().put("name", device.name ?: device.address).put("device", device.address))
        }
        invoke.resolve(JSObject().put("printers", list))
    }

    /**
     * Sends one job: connect, write in chunks with pacing, then wait for the printer's status
     * answer so the socket is not closed while the printer still drains its buffer.
     */
    @SuppressLint("MissingPermission")
    @Command
    fun print(invoke: Invoke) {
        val args = invoke.parseArgs(PrintArgs::class.java)
        val adapter = adapter() ?: return invoke.reject("This device has no Bluetooth.")
        if (!permitted()) return invoke.reject("Allow Fixline to use Bluetooth to print.")
        val bytes = try {
            Base64.decode(args.data, Base64.DEFAULT)
        } catch (e: IllegalArgumentException) {
            return invoke.reject("The print job did not arrive whole.")
        }
        worker.execute {
            var socket: BluetoothSocket? = null
            var sent = 0
            try {
                val device = adapter.getRemoteDevice(args.device)
                // Discovery slows a connection down and can make it fail.
                adapter.cancelDiscovery()
                socket = device.createRfcommSocketToServiceRecord(SPP_UUID)
                socket.connect()
                val out = socket.outputStream
                val chunk = args.chunkBytes.coerceIn(16, 64 * 1024)
                while (sent < bytes.size) {
                    val end = minOf(sent + chunk, bytes.size)
                    out.write(bytes, sent, end - sent)
                    out.flush()
                    sent = end
                    if (args.paceMs > 0) Thread.sleep(args.paceMs)
                }
                out.write(STATUS_REQUEST)
                out.flush()
                val status = readStatus(socket, args.statusTimeoutMs)
                when {
                    status == null -> invoke.reject("The printer did not answer after the job; it may not have printed everything.")
                    status and 0x93 != 0x12 -> invoke.reject("The printer answered 0x%02x, which is not an ESC/POS status.".format(status))
                    status and 0x08 != 0 -> invoke.reject("The printer is offline: cover open or paper out.")
                    else -> invoke.resolve(JSObject().put("sent", sent))
                }
            } catch (e: IOException) {
                invoke.reject("The printer connection failed after $sent of ${bytes.size} bytes: ${e.message}")
            } catch (e: IllegalArgumentException) {
                invoke.reject("${args.device} is not a Bluetooth address.")
            } finally {
                try {
                    socket?.close()
                } catch (_: IOException) {
                }
            }
        }
    }

    /** Reads one status byte, giving up after [timeoutMs]. */
    private fun readStatus(socket: BluetoothSocket, timeoutMs: Int): Int? {
        val input = socket.inputStream
        val deadline = System.currentTimeMillis() + timeoutMs
        while (System.currentTimeMillis() < deadline) {
            if (input.available() > 0) return input.read()
            Thread.sleep(20)
        }
        return null
    }
}
