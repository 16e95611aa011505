#pragma once
// The recently opened project folders, newest first, kept in QSettings so the welcome page and File menu share them.
#include <QStringList>

namespace tessera::ui {

class RecentProjects {
public:
    static constexpr int kMaxEntries = 10;

    static QStringList list();           // existing folders only
    static void add(const QString& path);
    static void remove(const QString& path);
    static void clear();
};

}  // namespace tessera::ui
