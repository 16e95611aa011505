// tessera: the desktop application. Usage: tessera [FOLDER] opens FOLDER as a project at start.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QTimer>

#include "ui/mainwindow.h"

int main(int argc, char** argv) {
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
