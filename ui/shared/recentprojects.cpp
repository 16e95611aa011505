#include "ui/shared/recentprojects.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

namespace tessera::ui {

namespace {
const char* const kKey = "recentProjects";

void store(const QStringList& list) { QSettings().setValue(QLatin1String(kKey), list); }
QStringList stored() { return QSettings().value(QLatin1String(kKey)).toStringList(); }
}  // namespace

QStringList RecentProjects::list() {
    QStringList result;
    for (const QString& path : stored())
        if (QFileInfo(path).isDir()) result << path;
    return result;
}

void RecentProjects::add(const QString& path) {
    const QString clean = QDir::cleanPath(QDir(path).absolutePath());
    QStringList list = stored();
    list.removeAll(clean);
    list.prepend(clean);
    while (list.size() > kMaxEntries) list.removeLast();
    store(list);
}

void RecentProjects::remove(const QString& path) {
    QStringList list = stored();
    list.removeAll(QDir::cleanPath(path));
    store(list);
}

void RecentProjects::clear() { store({}); }

}  // namespace tessera::ui
