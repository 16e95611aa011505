// tessera: the desktop application. Usage: tessera [FOLDER] opens FOLDER as a project at start.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <string>

#include "core/device/deviceinfo.h"
#include "ui/shared/mainwindow.h"

namespace {
// --version is answered before QApplication exists, so it works without a display (ssh, CI, install checks).
void printVersion() {
    const tessera::learn::DeviceInfo& d = tessera::learn::deviceInfo();
    std::string cuda = "none (CPU-only LibTorch build)";
    if (d.torchHasCuda)
        cuda = d.torchCudaVersion +
               (d.cudaAvailable ? " (GPU usable)" : " (unavailable: " + d.cudaUnavailableReason + ")");
    std::printf("tessera %s\nLibTorch: %s (%s)\nCUDA:     %s\ncuDNN:    %s\n", TESSERA_VERSION, d.torchVersion.c_str(),
                d.torchHasCuda ? "CUDA build" : "CPU-only build", cuda.c_str(),
                d.cudnnVersion.empty() ? "none" : d.cudnnVersion.c_str());
}
}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) {
            printVersion();
            return 0;
        }
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Tessera"));
    QApplication::setOrganizationName(QStringLiteral("Tessera"));
    QApplication::setOrganizationDomain(QStringLiteral("tessera.org"));
    QApplication::setApplicationVersion(QStringLiteral(TESSERA_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("tessera"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Image classifiers for archaeological finds"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("folder"), QStringLiteral("A folder of photos to open as a project."),
                                 QStringLiteral("[folder]"));
    parser.process(app);

    tessera::ui::MainWindow window;
    QApplication::setWindowIcon(window.windowIcon());
    window.show();
    const QStringList args = parser.positionalArguments();
    if (!args.isEmpty()) {
        const QString folder = QDir(args.first()).absolutePath();
        // After the event loop starts, so an error dialog has a visible parent window.
        QTimer::singleShot(0, &window, [&window, folder] {
            QString error;
            if (!window.openProject(folder, &error)) qWarning("Cannot open %s: %s", qPrintable(folder), qPrintable(error));
        });
    }
    return app.exec();
}
